"""A superchart without suptitle has title "" (matplotlib >= 3.8's get_suptitle)."""
from chartcase import emit, plt

fig, (left, right) = plt.subplots(1, 2)
left.plot([0, 1, 2], [0, 1, 0])
right.bar(["p", "q"], [1, 2])
emit(fig)
