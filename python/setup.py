"""Bundles the `winnow` binary into the package when one is at hand at build time.

`pip install ./python` from a checkout where `Scripts/setup` built `.build/release/winnow` carries that
binary (it finds the Swift runtime where it was built); `WINNOW_BINARY=path pip wheel ./python` carries
another, e.g. the release tarball's (Swift linked in), for a wheel other machines can install. Without
either, the package looks for the binary at run time (`WINNOW_BINARY`, then `winnow` on PATH).
"""
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


class BuildWithBinary(build_py):
    def run(self):
        super().run()
        source = source_binary()
        if os.path.isfile(source):
            target = os.path.join(self.build_lib, "winnow", "bin", "winnow")
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(source, target)
            os.chmod(target, 0o755)


def source_binary():
    return os.environ.get("WINNOW_BINARY") or os.path.join(HERE, "..", ".build", "release", "winnow")


commands = {"build_py": BuildWithBinary}
try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools before 70.1
    try:
        from wheel.bdist_wheel import bdist_wheel
    except ImportError:
        bdist_wheel = None
if bdist_wheel is not None and os.path.isfile(source_binary()):
    class PlatformWheel(bdist_wheel):
        """A wheel carrying the binary is for this platform (any Python 3): py3-none-linux_x86_64."""

        def finalize_options(self):
            super().finalize_options()
            self.root_is_pure = False

        def get_tag(self):
            return ("py3", "none", super().get_tag()[2])

    commands["bdist_wheel"] = PlatformWheel

setup(cmdclass=commands)
