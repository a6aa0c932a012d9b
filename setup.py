"""Build detente's one optional compiled extension, the SMP kernel (``detente.models._smp_ext``).

Everything else is declared in ``pyproject.toml``. The extension is optional: where no C compiler
(or no Python headers) is found, the build goes on without it and detente runs the same model with
numba or numpy, with the same results. Compiled with ``-ffp-contract=off`` (no fused multiply-add) and
without ``-ffast-math``, so the kernel keeps numpy's arithmetic to the last bit.
"""

import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class BuildExt(build_ext):
    """``build_ext`` with the floating-point flags the bit-for-bit guarantee needs (GCC and Clang)."""

    def build_extensions(self) -> None:
        """Add ``-O3 -ffp-contract=off -fno-fast-math`` where the compiler takes GCC's flags."""
        if self.compiler.compiler_type == "unix":
            flags = ["-O3", "-ffp-contract=off", "-fno-fast-math"]
            for ext in self.extensions:
                ext.extra_compile_args = [*ext.extra_compile_args, *flags]
        super().build_extensions()


try:
    from Cython.Build import cythonize
except ImportError:  # only without build isolation and without Cython: no extension (numpy runs)
    print("detente: Cython is missing, so the compiled SMP kernel is not built", file=sys.stderr)
    extensions = []
else:
    extensions = cythonize(
        [
            Extension(
                "detente.models._smp_ext",
                ["src/detente/models/_smp_ext.pyx"],
                depends=["src/detente/models/_smp_core.h"],
                include_dirs=["src/detente/models"],
                optional=True,
            )
        ],
        build_dir="build/cython",
        compiler_directives={"language_level": 3},
    )
    for extension in extensions:
        extension.optional = True  # no compiler or no Python headers: install without it

setup(ext_modules=extensions, cmdclass={"build_ext": BuildExt})
