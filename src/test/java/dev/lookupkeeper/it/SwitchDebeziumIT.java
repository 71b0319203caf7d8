package dev.lookupkeeper.it;

/** {@link SwitchIT} with the sidecar reading its slot through Debezium's embedded engine. */
class SwitchDebeziumIT extends SwitchIT {
    @Override
    String source() {
        return "debezium";
    }
}
