//! A notification setting that cannot work, in words that say what to write instead.

/// A notification setting that cannot work, found before anything starts.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("[mqtt] host is empty: give the broker's address, e.g. host = \"192.168.1.10\"")]
    MqttHost,
    #[error(
        "[mqtt] {key} \"{value}\" cannot start MQTT topics: it must not be empty nor contain + or #; write e.g. \"{example}\""
    )]
    MqttPrefix {
        key: &'static str,
        value: String,
        example: &'static str,
    },
    #[error(
        "[mqtt] password is set but username is not: give the user name the broker knows, or remove the password"
    )]
    MqttPassword,
    #[error(
        "[webhook] url {url} uses https://, which gateward does not send to: the webhook is meant for the local network over plain http://; give an http:// address (a relay on the network can forward it to HTTPS)"
    )]
    WebhookHttps { url: String },
    #[error(
        "[webhook] url \"{url}\" is not an http:// address ({why}); write it like http://192.168.1.20:8123/api/webhook/gate"
    )]
    WebhookUrl { url: String, why: String },
}
