/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#pragma once

#define __MQTT_GLIB_INSIDE__

#include "mqtt-version.h"
#include "mqtt-enums.h"
#include "mqtt-enum-types.h"
#include "mqtt-error.h"
#include "mqtt-properties.h"
#include "mqtt-message.h"
#include "mqtt-topic.h"
#include "mqtt-store.h"
#include "mqtt-file-store.h"
#include "mqtt-client.h"
#include "mqtt-settings.h"
#include "mqtt-helpers.h"

#undef __MQTT_GLIB_INSIDE__
