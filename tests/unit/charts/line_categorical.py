"""§3.10 "categorical line": string x values, unlabelled line."""
from chartcase import emit, plt

fig, ax = plt.subplots()
ax.plot(["a", "b", "c"], [1, 3, 2])
emit(fig)
