"""§3.10 "scatter": two labelled scatter calls."""
from chartcase import emit, plt

fig, ax = plt.subplots()
ax.scatter([0.1, 0.5, 0.9], [0.2, 0.4, 0.8], label="Dataset 1")
ax.scatter([0.3, 0.7], [0.6, 0.1], label="Dataset 2")
ax.set_xlabel("A")
ax.set_ylabel("B")
emit(fig)
