//! The generic webhook: SPEC §11's JSON body, signed with HMAC-SHA256 over
//! the exact bytes sent, in `X-Upfront-Signature: sha256=<hex>` (the
//! GitHub convention, so receivers have code for it already).

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::vocab::choice::Choice;

use super::message::Message;

pub const SIGNATURE_HEADER: &str = "X-Upfront-Signature";

pub fn body(m: &Message) -> Value {
    let mut body = json!({
        "event": m.event,
        "id": m.event_id,
        "site": {"title": m.site_title, "url": m.site_url},
    });
    if let Some(i) = &m.incident {
        body["incident"] = json!({
            "id": i.slug,
            "title": m.title,
            "severity": i.severity.name(),
            "status": i.current.name(),
            "url": i.url,
            "affected": i.affected,
        });
        // An incident written with no updates yet has no update to carry.
        body["update"] = match &m.update {
            Some(u) => json!({
                "id": u.id,
                "status": u.status.name(),
                "at": crate::vocab::times::utc(u.at),
                "message_markdown": u.markdown,
                "message_text": u.text,
            }),
            None => Value::Null,
        };
    }
    if let Some(l) = &m.letter {
        body["letter"] = json!({
            "id": l.slug,
            "title": m.title,
            "author": l.author,
            "role": l.role,
            "at": m.at_utc(),
            "url": m.url,
            "excerpt": l.excerpt,
        });
    }
    body
}

/// `sha256=<lowercase hex of HMAC-SHA256(secret, body)>`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256=");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn signature_matches_rfc_4231_test_case_2() {
        // RFC 4231, 4.3: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            super::signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
