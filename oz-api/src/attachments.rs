//! Attachments from a file or from bytes: base64 and the MIME type for you.

use std::io;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::types::AttachmentInput;

/// The image types the API accepts in an attachment: `AttachmentInput.mime_type`
/// says "Supported image types: image/jpeg, image/png, image/gif, image/webp"
/// (the spec fix `attachment-image-types` makes that a pattern, which
/// `AttachmentInputMimeType` checks).
const SUPPORTED_IMAGE_TYPES: [&str; 4] = ["image/jpeg", "image/png", "image/gif", "image/webp"];

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
    /// An image of another type (BMP, TIFF, SVG, HEIC, AVIF, ...; by content
    /// or extension) is refused (`InvalidInput`), naming the file, its type
    /// and the four the API accepts, as the API would refuse it:
    ///
    /// ```
    /// use oz_api::types::AttachmentInput;
    /// let e = AttachmentInput::from_bytes("diagram.bmp", b"...").unwrap_err();
    /// assert_eq!(
    ///     e.to_string(),
    ///     "attachment \"diagram.bmp\": image/bmp is not an image type the API accepts \
    ///      (image/jpeg, image/png, image/gif, image/webp)"
    /// );
    /// ```
    ///
    /// The error is `InvalidData` only if the spec's `AttachmentInput` has
    /// changed in a way this client cannot fill.
    pub fn from_bytes(file_name: impl Into<String>, bytes: impl AsRef<[u8]>) -> io::Result<Self> {
        let file_name = file_name.into();
        Self::build(&file_name, bytes.as_ref())
            .map_err(|(kind, e)| io::Error::new(kind, format!("attachment {file_name:?}: {e}")))
    }

    /// An attachment of the file at `path` (read now, blocking), named by its
    /// file name. See [`AttachmentInput::from_bytes`]; every error names the path.
    pub fn from_path(path: impl AsRef<Path>) -> io::Result<Self> {
        let path = path.as_ref();
        let failed = |kind, e: &dyn std::fmt::Display| {
            io::Error::new(
                kind,
                format!("attachment {:?}: {e}", path.display().to_string()),
            )
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "attachment".into());
        let bytes = std::fs::read(path).map_err(|e| failed(e.kind(), &e))?;
        Self::build(&name, &bytes).map_err(|(kind, e)| failed(kind, &e))
    }

    fn build(file_name: &str, bytes: &[u8]) -> Result<Self, (io::ErrorKind, String)> {
        let mime_type = mime_type(file_name, bytes);
        if mime_type.starts_with("image/") && !SUPPORTED_IMAGE_TYPES.contains(&mime_type) {
            let supported = SUPPORTED_IMAGE_TYPES.join(", ");
            return Err((
                io::ErrorKind::InvalidInput,
                format!("{mime_type} is not an image type the API accepts ({supported})"),
            ));
        }
        // By way of JSON, not a struct literal: a member the spec adds later
        // does not stop this compiling.
        serde_json::from_value(serde_json::json!({
            "file_name": file_name,
            "mime_type": mime_type,
            "data": STANDARD.encode(bytes),
        }))
        .map_err(|e| (io::ErrorKind::InvalidData, e.to_string()))
    }

    /// The attachment's bytes, decoded from base64.
    pub fn bytes(&self) -> Result<Vec<u8>, base64::DecodeError> {
        STANDARD.decode(&self.data)
    }
}

/// The MIME type of an attachment: image types by their signature, the rest by
/// extension. Image types the API does not accept are recognised too, so that
/// they are refused rather than sent as `application/octet-stream`.
fn mime_type(file_name: &str, bytes: &[u8]) -> &'static str {
    let signatures: [(&[u8], usize, &str); 6] = [
        (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
        (b"\xff\xd8\xff", 0, "image/jpeg"),
        (b"GIF8", 0, "image/gif"),
        (b"WEBP", 8, "image/webp"),
        (b"II*\0", 0, "image/tiff"),
        (b"MM\0*", 0, "image/tiff"),
    ];
    for (signature, at, mime) in signatures {
        if bytes.get(at..at + signature.len()) == Some(signature) {
            return mime;
        }
    }
    // `BM`, the file's size, then four reserved bytes that are zero.
    if bytes.starts_with(b"BM") && bytes.get(6..10) == Some(&[0; 4]) {
        return "image/bmp";
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
        "bmp" => "image/bmp",
        "tif" | "tiff" => "image/tiff",
        "svg" => "image/svg+xml",
        "ico" => "image/vnd.microsoft.icon",
        "heic" => "image/heic",
        "heif" => "image/heif",
        "avif" => "image/avif",
        "jxl" => "image/jxl",
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
        let missing = dir.join("missing");
        let e = AttachmentInput::from_path(&missing).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        let named = format!("attachment {:?}: ", missing.display().to_string());
        assert!(e.to_string().starts_with(&named), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn image_types_the_api_refuses_are_refused_naming_file_type_and_the_four() {
        let bmp = b"BM\x3a\0\0\0\0\0\0\0\x36\0";
        for (name, bytes, mime) in [
            ("shot.bin", &bmp[..], "image/bmp"),
            ("shot.BMP", b"x", "image/bmp"),
            ("scan.tiff", b"II*\0rest", "image/tiff"),
            ("logo.svg", b"<svg/>", "image/svg+xml"),
            ("photo.heic", b"x", "image/heic"),
        ] {
            let e = AttachmentInput::from_bytes(name, bytes).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
            assert_eq!(
                e.to_string(),
                format!(
                    "attachment {name:?}: {mime} is not an image type the API accepts \
                     (image/jpeg, image/png, image/gif, image/webp)"
                )
            );
        }
        // Not an image: not refused (the API limits image types only).
        assert_eq!(mime_type("BM.txt", b"BM, not a bitmap"), "text/plain");
    }

    #[test]
    fn the_four_image_types_are_those_the_generated_type_accepts() {
        use crate::types::AttachmentInputMimeType;
        for mime in SUPPORTED_IMAGE_TYPES {
            assert!(AttachmentInputMimeType::try_from(mime).is_ok(), "{mime}");
        }
        for refused in ["image/bmp", "image/tiff", "image/svg+xml", "image/heic"] {
            assert!(
                AttachmentInputMimeType::try_from(refused).is_err(),
                "{refused}"
            );
        }
    }
}
