"""§3.10 "pie": wedge angles through E2B's dynamic rounding."""
from chartcase import emit, plt

fig, ax = plt.subplots()
ax.pie([90, 10], labels=["No", "No, in blue"], startangle=90)
ax.set_title("Will I wake up early tomorrow?")
emit(fig)
