"""§3.10 "superchart": two axes, title from the figure's suptitle."""
from chartcase import emit, plt

fig, (left, right) = plt.subplots(1, 2)
left.plot([0, 1, 2], [0, 1, 0])
left.set_title("Sine Wave")
right.scatter([1, 2], [3, 4], label="Dataset 1")
right.set_title("Scatter Plot")
right.set_xlabel("X")
right.set_ylabel("Y")
fig.suptitle("Multiple Charts Example")
emit(fig)
