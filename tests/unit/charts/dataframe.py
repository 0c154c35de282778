"""e2b/data: a DataFrame with timestamps, NaN, NaT and a non-string column label."""
import json
import sys

import numpy as np
import pandas as pd

from sbx_e2b.jsonable import dataframe_to_dict

frame = pd.DataFrame({
    "name": ["a", "b", None],
    "count": [1, 2, 3],
    "ratio": [0.5, np.nan, 1.25],
    "when": pd.to_datetime(["2024-01-01", None, "2024-03-04 05:06:07"]),
    7: [True, False, True],
})
sys.stdout.write(json.dumps(dataframe_to_dict(frame), ensure_ascii=False,
                            allow_nan=False, separators=(",", ":")) + "\n")
