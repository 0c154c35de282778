"""§3.10 "line": one labelled line, units in both axis labels."""
from chartcase import emit, plt

fig, ax = plt.subplots()
ax.plot([0, 1, 2, 3], [0, 1, 4, 9], label="y = x^2")
ax.set_xlabel("Time (s)")
ax.set_ylabel("Distance [m]")
ax.set_title("Quadratic")
emit(fig)
