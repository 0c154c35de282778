"""§3.10: a log x axis reports its scale name."""
from chartcase import emit, plt

fig, ax = plt.subplots()
ax.plot([1, 10, 100], [1, 2, 3])
ax.set_xscale("log")
emit(fig)
