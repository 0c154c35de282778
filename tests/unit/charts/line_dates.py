"""§3.10 "line with dates": datetime.date x values, ISO points and ticks."""
import datetime

from chartcase import emit, plt

days = [datetime.date(2024, 1, 1), datetime.date(2024, 1, 2), datetime.date(2024, 1, 3)]
fig, ax = plt.subplots()
ax.plot(days, [3.5, 4.0, 2.5], label="temp")
emit(fig)
