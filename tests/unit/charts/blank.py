"""§3.10 "blank figure": axes without data give {}."""
from chartcase import emit, plt

fig, ax = plt.subplots()
ax.set_title("nothing drawn")
emit(fig)
