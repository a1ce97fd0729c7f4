"""Software facts: versions, torch's build (BLAS, oneDNN, CUDA, cuDNN) and thread settings.

Versions come from package metadata, so torchvision is not imported just to read its version.
"""

from __future__ import annotations

import os
import platform
import re
from importlib import metadata
from typing import Any

# Environment that changes what a benchmark runs: threads, visible GPUs, and TF32 overrides that
# silently turn the float32-tf32 case into plain float32 (or the reverse).
THREAD_ENV = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "CUDA_VISIBLE_DEVICES",
    "NVIDIA_TF32_OVERRIDE",
    "TORCH_ALLOW_TF32_CUBLAS_OVERRIDE",
)
_BUILD_KEYS = (
    "BLAS_INFO",
    "LAPACK_INFO",
    "USE_MKL",
    "USE_MKLDNN",
    "USE_OPENMP",
    "USE_CUDA",
    "USE_CUDNN",
    "CUDA_VERSION",
    "CUDNN_VERSION",
    "TORCH_VERSION",
)
_LIBRARY_PATTERNS = (
    r"Math Kernel Library",
    r"MKL-DNN|oneDNN",
    r"OpenMP",
    r"OpenBLAS",
    r"CPU capability usage",
    r"CUDA Runtime",
    r"CuDNN",
    r"Magma",
    r"LAPACK",
)


def summarise_torch_config(text: str) -> dict[str, Any]:
    """The parts of ``torch.__config__.show()`` that change CPU/GPU results.

    Returns {"libraries": [bullet lines naming BLAS/oneDNN/OpenMP/CUDA libraries],
    "build": {BLAS_INFO, USE_MKLDNN, CUDA_VERSION, ...}}; compiler flags are dropped.
    """
    libraries = []
    build: dict[str, str] = {}
    for line in text.splitlines():
        item = line.strip().lstrip("-").strip()
        if item.startswith("Build settings:"):
            for pair in re.split(r",\s+(?=[A-Z_]+=)", item[len("Build settings:") :].strip()):
                key, _, value = pair.partition("=")
                if key.strip() in _BUILD_KEYS:
                    build[key.strip()] = value.strip().rstrip(",").strip()
        elif any(re.search(p, item) for p in _LIBRARY_PATTERNS):
            libraries.append(item)
    return {"libraries": libraries, "build": build}


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def thread_settings() -> dict[str, Any]:
    """torch's intra/inter-op threads, the CPUs this process may run on, and the env that sets them."""
    import torch

    try:
        affinity = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        affinity = os.cpu_count()
    out: dict[str, Any] = {
        "torch": torch.get_num_threads(),
        "interop": torch.get_num_interop_threads(),
        "usable_cpus": affinity,
    }
    out.update({name: os.environ.get(name) for name in THREAD_ENV})
    return out


def collect_software() -> dict[str, Any]:
    """The software section of the record (SOFTWARE_FIELDS)."""
    import torch

    try:
        cudnn = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
    except Exception:
        cudnn = None
    return {
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.release()}",
        "torch": torch.__version__,
        "torch_cuda": torch.version.cuda,
        "cudnn": cudnn,
        "torchvision": package_version("torchvision"),
        "numpy": package_version("numpy"),
        "pytest_benchmark": package_version("pytest-benchmark"),
        "nvidia_ml_py": package_version("nvidia-ml-py"),
        "blas": summarise_torch_config(torch.__config__.show()),
        "backends": {
            "mkl": torch.backends.mkl.is_available(),
            "mkldnn": torch.backends.mkldnn.is_available(),
            "openmp": torch.backends.openmp.is_available(),
        },
        "threads": thread_settings(),
    }
