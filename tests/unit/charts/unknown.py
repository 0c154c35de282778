"""§3.10 "unknown": only Circle artists."""
from chartcase import emit, plt

fig, ax = plt.subplots()
ax.add_patch(plt.Circle((0, 0), 1))
ax.add_patch(plt.Circle((0, 0), 2, fill=False))
ax.set_title("Two Concentric Circles")
emit(fig)
