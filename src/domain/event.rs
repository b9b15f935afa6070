//! The gate event: one typed record of what happened at the gate, made by the pipeline and the
//! desk alike, which the store, the screens, MQTT and the webhook each receive.
