"""§3.10 "box_and_whisker": E2B's exam-scores example (one outlier in Class B)."""
from chartcase import emit, plt

data = {
    "Class A": [85, 90, 78, 92, 88],
    "Class B": [95, 89, 76, 91, 84, 87],
    "Class C": [75, 82, 88, 79, 86],
}
fig, ax = plt.subplots(figsize=(10, 6))
ax.boxplot(data.values(), labels=data.keys(), patch_artist=True)
ax.set_title("Exam Scores Distribution")
ax.set_xlabel("Class")
ax.set_ylabel("Score")
emit(fig)
