"""Test-only compatibility shim for Debian 12's azure-cli 2.45 with Debian's python3-azure.

az 2.45's latest profile loads its network command module against azure-mgmt-network's
multi-API folder v2022_01_01. Debian's python3-azure (azure-mgmt-network 23.0.0b1) ships the
2022-07-01 API only (older folders hold models without operations), so every `az network`
command fails while loading its arguments ("'NoneType' object has no attribute
'standard_medium'"), before any request, against Azure itself as well. This aliases the missing
folder to the package's own 2022-07-01 models and operations. It changes no request: the
express-route commands are az's own AAZ code, with their own api-version (2022-01-01).

Used by tests/integration/test_arm_az.sh through PYTHONPATH; docs/azure-clients.md shows it.
"""
import importlib
import importlib.abc
import importlib.util
import sys

_MISSING = "azure.mgmt.network.v2022_01_01"
_PRESENT = "azure.mgmt.network"


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if name == _MISSING or name.startswith(_MISSING + "."):
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        return importlib.import_module(_PRESENT + spec.name[len(_MISSING):])

    def exec_module(self, module):
        pass


sys.meta_path.append(_Alias())
