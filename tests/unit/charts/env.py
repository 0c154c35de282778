"""env_push/env_pop: nested pushes restore values and unset names that were absent."""
import json
import os
import sys

import sbx_e2b

os.environ["SBX_T_KEEP"] = "old"
os.environ.pop("SBX_T_NEW", None)
steps = {}

sbx_e2b.env_push({"SBX_T_KEEP": "v1", "SBX_T_NEW": "n1"})
steps["after_push1"] = [os.environ.get("SBX_T_KEEP"), os.environ.get("SBX_T_NEW")]
sbx_e2b.env_push({"SBX_T_NEW": "n2"})
steps["after_push2"] = [os.environ.get("SBX_T_KEEP"), os.environ.get("SBX_T_NEW")]
steps["pop2"] = sbx_e2b.env_pop()
steps["after_pop2"] = [os.environ.get("SBX_T_KEEP"), os.environ.get("SBX_T_NEW")]
steps["pop1"] = sbx_e2b.env_pop()
steps["after_pop1"] = [os.environ.get("SBX_T_KEEP"), os.environ.get("SBX_T_NEW")]
steps["new_absent"] = "SBX_T_NEW" not in os.environ
steps["pop_empty"] = sbx_e2b.env_pop()

# A bad entry changes nothing, not even the valid entries beside it.
try:
    sbx_e2b.env_push({"SBX_T_KEEP": "changed", "BAD=NAME": "x"})
    steps["bad_rejected"] = False
except ValueError:
    steps["bad_rejected"] = True
steps["after_bad"] = os.environ.get("SBX_T_KEEP")
steps["pop_after_bad"] = sbx_e2b.env_pop()

sys.stdout.write(json.dumps(steps, separators=(",", ":")) + "\n")
