"""The data contract between measuring (`bench`) and reporting (`reports`).

Pure Python plus numpy: importable on a laptop that has neither torch nor pynvml.
`schema` names the fields of a saved run; `stats` holds the statistics both halves use,
so a confidence interval computed while measuring means the same as one computed in a report.
"""
