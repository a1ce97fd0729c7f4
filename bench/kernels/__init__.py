"""Matrix-product workloads (``matmul``) and their benchmark modules (``bench_*.py``)."""
