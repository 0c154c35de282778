"""Writes pipeline.ipynb: what Jupyter saves for the kernel messages in
pipeline_msgs.json (nbformat's output_from_msg per IOPub message, then
nbformat.write, as Jupyter saves a file), the reference test_ui_nbpipe
compares our whole output path against.  Run with Debian's python3 (python3-nbformat):

    /usr/bin/python3 tests/unit/ui_fixtures/pipeline_gen.py
"""
import json
import os

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, output_from_msg

HERE = os.path.dirname(os.path.abspath(__file__))

with open(os.path.join(HERE, "pipeline_msgs.json"), encoding="utf-8") as f:
    msgs = json.load(f)

cell = new_code_cell(id="c0ffee00")
for m in msgs:
    msg = {"header": {"msg_type": m["msg_type"]}, "content": m["content"]}
    if m["msg_type"] == "execute_input":
        cell.source = m["content"]["code"]
        cell.execution_count = m["content"]["execution_count"]
        continue
    cell.outputs.append(output_from_msg(msg))

nb = new_notebook(cells=[cell], metadata={
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
})
nbformat.validate(nb)
nbformat.write(nb, os.path.join(HERE, "pipeline.ipynb"))
