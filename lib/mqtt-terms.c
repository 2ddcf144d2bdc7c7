/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The terms of a level-5 connection (see mqtt-terms-private.h): what each
 * side said it allows, what follows from it for a publication or a
 * subscription, and the topic aliases. A rule of CONNECT or CONNACK
 * properties changes here; the session engine asks, and decides when.
 */

#include "config.h"

#include <string.h>

#include "mqtt-properties-private.h"
#include "mqtt-terms-private.h"
#include "mqtt-wire-private.h"

void
mqtt_terms_init (MqttTerms *terms)
{
  memset (terms, 0, sizeof *terms);
  terms->out_alias_of = g_hash_table_new (g_str_hash, g_str_equal);
  mqtt_terms_reset (terms, 0);
}

static void
free_aliases (char **aliases, guint n)
{
  guint i;

  if (aliases == NULL)
    return;
  for (i = 0; i < n; i++)
    g_free (aliases[i]);
  g_free (aliases);
}

/* A new connection: the specification's defaults until CONNACK, no topic
 * alias either way. */
void
mqtt_terms_reset (MqttTerms *terms, guint16 out_alias_limit)
{
  g_hash_table_remove_all (terms->out_alias_of);
  free_aliases (terms->in_aliases, terms->in_alias_max);
  free_aliases (terms->out_aliases, terms->out_alias_max);
  terms->in_aliases = NULL;
  terms->out_aliases = NULL;
  terms->in_alias_max = 0;
  terms->out_alias_max = 0;
  terms->out_alias_next = 1;
  terms->out_alias_limit = out_alias_limit;
  terms->server_receive_max = G_MAXUINT16;
  terms->server_max_qos = 2;
  terms->server_retain = terms->server_wildcard = TRUE;
  terms->server_sub_ids = terms->server_shared = TRUE;
  terms->server_max_packet = 0;
}

void
mqtt_terms_clear (MqttTerms *terms)
{
  mqtt_terms_reset (terms, 0);
  g_hash_table_unref (terms->out_alias_of);
}

/* What the properties of CONNECT say of our side. */
void
mqtt_terms_take_connect (MqttTerms *terms, MqttProperties *props)
{
  guint32 expiry = 0;

  if (!mqtt_properties_get_receive_maximum (props, &terms->in_receive_max))
    terms->in_receive_max = G_MAXUINT16;
  if (!mqtt_properties_get_topic_alias_maximum (props, &terms->in_alias_max))
    terms->in_alias_max = 0;
  terms->session_expires = !mqtt_properties_get_session_expiry_interval (props, &expiry) ||
                           expiry == 0;
  if (terms->in_alias_max > 0)
    terms->in_aliases = g_new0 (char *, terms->in_alias_max);
}

/* What CONNACK says of the broker's limits and of this session. */
void
mqtt_terms_take_connack (MqttTerms *terms, MqttProperties *props)
{
  guint8 flag;
  guint32 expiry;

  mqtt_properties_get_receive_maximum (props, &terms->server_receive_max);
  mqtt_properties_get_maximum_qos (props, &terms->server_max_qos);
  mqtt_properties_get_maximum_packet_size (props, &terms->server_max_packet);
  if (mqtt_properties_get_retain_available (props, &flag))
    terms->server_retain = flag;
  if (mqtt_properties_get_wildcard_subscription_available (props, &flag))
    terms->server_wildcard = flag;
  if (mqtt_properties_get_subscription_identifier_available (props, &flag))
    terms->server_sub_ids = flag;
  if (mqtt_properties_get_shared_subscription_available (props, &flag))
    terms->server_shared = flag;
  if (mqtt_properties_get_topic_alias_maximum (props, &terms->out_alias_max) &&
      terms->out_alias_max > 0)
    terms->out_aliases = g_new0 (char *, terms->out_alias_max);
  /* The broker may shorten the session's life. */
  if (mqtt_properties_get_session_expiry_interval (props, &expiry))
    terms->session_expires = expiry == 0;
}

/* Why the broker would refuse a PUBLISH of @remaining bytes after its fixed
 * header, from what it said in CONNACK: the error code (0 for none) and
 * *why. */
MqttError
mqtt_terms_publish_refusal (const MqttTerms *terms, guint8 qos, gboolean retain,
                            gsize remaining, const char **why)
{
  if (qos > terms->server_max_qos)
    {
      *why = terms->server_max_qos == 0 ? "the broker accepts QoS 0 only"
                                        : "the broker accepts QoS 0 and 1 only";
      return MQTT_ERROR_NOT_SUPPORTED;
    }
  if (retain && !terms->server_retain)
    {
      *why = "the broker does not support retained messages";
      return MQTT_ERROR_NOT_SUPPORTED;
    }
  /* Maximum Packet Size counts the whole packet. */
  if (terms->server_max_packet > 0 &&
      1 + mqtt_wire_varint_size (MIN (remaining, MQTT_MAX_REMAINING_LENGTH)) + remaining >
        terms->server_max_packet)
    {
      *why = "the packet exceeds the broker's Maximum Packet Size";
      return MQTT_ERROR_PAYLOAD_SIZE;
    }
  return MQTT_ERROR_SUCCESS;
}

/* Why the broker would refuse this subscription, from what it said in
 * CONNACK, or NULL. */
const char *
mqtt_terms_subscribe_refusal (const MqttTerms *terms, const MqttTopicRequest *request,
                              MqttProperties *props)
{
  if (request->qos > terms->server_max_qos)
    return NULL; /* the broker grants less, which SUBACK says */
  if (!terms->server_wildcard && strpbrk (request->filter, "+#"))
    return "the broker does not support wildcard subscriptions";
  if (!terms->server_shared && g_str_has_prefix (request->filter, "$share/"))
    return "the broker does not support shared subscriptions";
  if (!terms->server_sub_ids && props &&
      mqtt_properties_has (props, MQTT_PROPERTY_SUBSCRIPTION_IDENTIFIER))
    return "the broker does not support subscription identifiers";
  return NULL;
}

/* The topic alias to send @topic with, and whether the broker knows it
 * already (then the topic itself is left out). An alias the application
 * chose (@explicit, not 0) is used and remembered; otherwise we assign our
 * own while there are some left. */
static guint16
topic_alias (MqttTerms *terms, const char *topic, guint16 explicit, gboolean *known)
{
  guint16 alias = explicit;
  char **slot;

  *known = FALSE;
  if (alias == 0)
    {
      alias = GPOINTER_TO_UINT (g_hash_table_lookup (terms->out_alias_of, topic));
      if (alias == 0 && terms->out_alias_next <= MIN (terms->out_alias_max,
                                                      terms->out_alias_limit))
        alias = terms->out_alias_next++;
    }
  if (alias == 0 || alias > terms->out_alias_max)
    return 0;
  slot = &terms->out_aliases[alias - 1];
  if (*slot && g_str_equal (*slot, topic))
    {
      *known = TRUE;
      return alias;
    }
  if (*slot)
    g_hash_table_remove (terms->out_alias_of, *slot);
  g_free (*slot);
  *slot = g_strdup (topic);
  g_hash_table_insert (terms->out_alias_of, *slot, GUINT_TO_POINTER (alias));
  return alias;
}

/* The properties a PUBLISH queued @age seconds ago goes with now: the
 * application's, with the remaining Message Expiry Interval and a topic
 * alias. NULL: send @props as they are. */
MqttProperties *
mqtt_terms_publish_properties (MqttTerms *terms, MqttProperties *props, const char *topic,
                               gint64 age, gboolean *topic_known)
{
  MqttProperties *wire = NULL;
  guint32 expiry;
  guint16 explicit = 0, alias;

  *topic_known = FALSE;
  if (props && age > 0 && mqtt_properties_get_message_expiry_interval (props, &expiry))
    {
      wire = mqtt_properties_copy (props);
      mqtt_properties_set_message_expiry_interval (wire, age >= expiry ? 0 : expiry - age);
    }
  if (props)
    mqtt_properties_get_topic_alias (props, &explicit);
  if (explicit == 0 && (terms->out_alias_max == 0 || terms->out_alias_limit == 0))
    return wire;
  alias = topic_alias (terms, topic, explicit, topic_known);
  if (alias != explicit)
    {
      /* Ours, or none where the application's is beyond what this
       * connection's broker allows (it was queued before it said). */
      if (wire == NULL)
        wire = props ? mqtt_properties_copy (props) : mqtt_properties_new ();
      if (alias != 0)
        mqtt_properties_set_topic_alias (wire, alias);
      else
        mqtt_properties_remove (wire, MQTT_PROPERTY_TOPIC_ALIAS);
    }
  return wire;
}

/* Replaces the topic alias of an incoming PUBLISH by its topic, or records
 * the alias its topic comes with [MQTT-3.3.2-7]. A violation is the reason
 * code to close the connection with, and *why. */
guint8
mqtt_terms_resolve_alias (MqttTerms *terms, MqttPacket *packet, char **why)
{
  guint16 alias;
  char **slot;

  if (packet->props == NULL || !mqtt_properties_get_topic_alias (packet->props, &alias))
    return MQTT_REASON_CODE_SUCCESS;
  if (alias > terms->in_alias_max)
    {
      *why = g_strdup_printf ("The broker used topic alias %u; this client allows %u", alias,
                              terms->in_alias_max);
      return MQTT_REASON_CODE_TOPIC_ALIAS_INVALID;
    }
  slot = &terms->in_aliases[alias - 1];
  if (packet->publish.topic[0] != '\0')
    {
      g_free (*slot);
      *slot = g_strdup (packet->publish.topic);
      return MQTT_REASON_CODE_SUCCESS;
    }
  if (*slot == NULL)
    {
      *why = g_strdup_printf ("The broker used topic alias %u before it said which topic it "
                              "stands for", alias);
      return MQTT_REASON_CODE_PROTOCOL_ERROR;
    }
  g_free (packet->publish.topic);
  packet->publish.topic = g_strdup (*slot);
  return MQTT_REASON_CODE_SUCCESS;
}

/* A level-5 CONNACK reason code of 0x80 or above, as an error. The
 * refusals MQTT 3.1.1 also had keep their error codes; the broker's reason
 * string and Server Reference, when it gave them, end the message. */
gboolean
mqtt_terms_connack_refused (const MqttPacket *packet, GError **error)
{
  guint8 code = packet->connack.return_code;
  const char *why = packet->props ? mqtt_properties_get_reason_string (packet->props) : NULL;
  const char *server = packet->props ? mqtt_properties_get_server_reference (packet->props)
                                     : NULL;
  MqttError error_code;

  switch (code)
    {
    case 0x84:
      error_code = MQTT_ERROR_REFUSED_PROTOCOL_VERSION;
      break;
    case 0x85:
      error_code = MQTT_ERROR_REFUSED_IDENTIFIER_REJECTED;
      break;
    case 0x88:
    case 0x89:
      error_code = MQTT_ERROR_REFUSED_SERVER_UNAVAILABLE;
      break;
    case 0x86:
    case 0x8C:
      error_code = MQTT_ERROR_REFUSED_BAD_USERNAME_PASSWORD;
      break;
    case 0x87:
    case 0x8A:
      error_code = MQTT_ERROR_REFUSED_NOT_AUTHORIZED;
      break;
    default:
      error_code = MQTT_ERROR_CONN_REFUSED;
      break;
    }
  g_set_error (error, MQTT_ERROR, error_code, "Connection refused: %s (reason code 0x%02x)%s%s%s%s",
               mqtt_reason_string (code), code, why ? ": " : "", why ? why : "",
               server ? "; the broker points to " : "", server ? server : "");
  return FALSE;
}
