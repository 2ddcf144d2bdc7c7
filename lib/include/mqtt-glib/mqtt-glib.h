/* SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause */
/* Lets programs built inside the source tree (examples, tests, and projects
 * using mqtt-glib as a meson subproject) write #include <mqtt-glib/mqtt-glib.h>
 * as installed programs do. Not installed. */
#include "../../mqtt-glib.h"
