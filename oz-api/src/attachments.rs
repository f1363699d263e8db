//! Attachments from a file or from bytes: base64 and the MIME type for you.

use std::io;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::types::AttachmentInput;

impl AttachmentInput {
    /// An attachment of `bytes` named `file_name`, base64-encoded, with its MIME
    /// type read from the content for the image types the API supports (PNG,
    /// JPEG, GIF, WebP), else from the name's extension, else
    /// `application/octet-stream`.
    ///
    /// ```no_run
    /// # async fn example(client: oz_api::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use oz_api::types::{AttachmentInput, RunAgentRequest};
    /// let screenshot = AttachmentInput::from_path("failing-test.png")?;
    /// let body = RunAgentRequest::builder()
    ///     .prompt(Some("Why does this test fail?".into()))
    ///     .attachments(vec![screenshot]);
    /// client.create_run().body(body).send().await?;
    /// # Ok(()) }
    /// ```
    ///
    /// The error is `InvalidData` only if the spec's `AttachmentInput` has
    /// changed in a way this client cannot fill.
    pub fn from_bytes(file_name: impl Into<String>, bytes: impl AsRef<[u8]>) -> io::Result<Self> {
        let file_name = file_name.into();
        let bytes = bytes.as_ref();
        let mime_type = mime_type(&file_name, bytes);
        // By way of JSON, not a struct literal: a member the spec adds later
        // does not stop this compiling.
        serde_json::from_value(serde_json::json!({
            "file_name": file_name,
            "mime_type": mime_type,
            "data": STANDARD.encode(bytes),
        }))
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    /// An attachment of the file at `path` (read now, blocking), named by its
    /// file name. See [`AttachmentInput::from_bytes`].
    pub fn from_path(path: impl AsRef<Path>) -> io::Result<Self> {
        let path = path.as_ref();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "attachment".into());
        Self::from_bytes(name, std::fs::read(path)?)
    }

    /// The attachment's bytes, decoded from base64.
    pub fn bytes(&self) -> Result<Vec<u8>, base64::DecodeError> {
        STANDARD.decode(&self.data)
    }
}

/// The MIME type of an attachment: image types by their signature, the rest by
/// extension.
fn mime_type(file_name: &str, bytes: &[u8]) -> &'static str {
    let signatures: [(&[u8], usize, &str); 4] = [
        (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
        (b"\xff\xd8\xff", 0, "image/jpeg"),
        (b"GIF8", 0, "image/gif"),
        (b"WEBP", 8, "image/webp"),
    ];
    for (signature, at, mime) in signatures {
        if bytes.get(at..at + signature.len()) == Some(signature) {
            return mime;
        }
    }
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "txt" | "log" => "text/plain",
        "md" => "text/markdown",
        "csv" => "text/csv",
        "json" => "application/json",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_mime_type_are_done_for_you() {
        let png = b"\x89PNG\r\n\x1a\nrest";
        let a = AttachmentInput::from_bytes("shot.bin", png).unwrap();
        assert_eq!(a.mime_type.as_str(), "image/png", "by content, not by name");
        assert_eq!(a.file_name, "shot.bin");
        assert_eq!(a.data, STANDARD.encode(png));
        assert_eq!(a.bytes().unwrap(), png);
        let webp = b"RIFF\x10\x00\x00\x00WEBPVP8 ";
        assert_eq!(mime_type("x", webp), "image/webp");
        assert_eq!(mime_type("notes.TXT", b"hello"), "text/plain");
        assert_eq!(mime_type("blob", b"\x00\x01"), "application/octet-stream");
    }

    #[test]
    fn from_path_names_the_attachment_after_the_file() {
        let dir = std::env::temp_dir().join(format!("oz-api-attach-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("trace.log");
        std::fs::write(&file, "line 1\n").unwrap();
        let a = AttachmentInput::from_path(&file).unwrap();
        assert_eq!(
            (a.file_name.as_str(), a.mime_type.as_str()),
            ("trace.log", "text/plain")
        );
        assert_eq!(a.bytes().unwrap(), b"line 1\n");
        assert_eq!(
            AttachmentInput::from_path(dir.join("missing"))
                .unwrap_err()
                .kind(),
            io::ErrorKind::NotFound
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
