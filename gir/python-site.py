# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# Prints where a Python package installed under the prefix (argument 1) is
# found by this interpreter: the site directory on its path under
# PREFIX/lib, else the standard scheme's.
import sys
import sysconfig

prefix = sys.argv[1].rstrip("/")
under = [p for p in sys.path if p.startswith(prefix + "/lib/") and p.endswith("-packages")]
print(under[0] if under else sysconfig.get_path("purelib", vars={"base": prefix}))
