/* MqttClient against a scripted fake broker: exact bytes, timing, faults. */

#include "config.h"

int
main (int argc, char *argv[])
{
  return 0;
}
