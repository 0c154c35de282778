"""§3.10 "bar": vertical bars with a group label."""
from chartcase import emit, plt

authors = ["Author A", "Author B", "Author C", "Author D"]
sales = [100, 200, 300, 400]
fig, ax = plt.subplots()
ax.bar(authors, sales, label="Books Sold")
ax.set_title("Book Sales by Authors")
ax.set_xlabel("Authors")
ax.set_ylabel("Number of Books Sold")
emit(fig)
