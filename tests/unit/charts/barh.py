"""§3.10 "horizontal bar": axis labels swapped, unlabelled group."""
from chartcase import emit, plt

fig, ax = plt.subplots()
ax.barh(["x", "y"], [3, 5])
ax.set_xlabel("Value")
ax.set_ylabel("Name")
emit(fig)
