//! Mutants proving the `files` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "files-any-mime-accepted",
        &["files.allowed-mime-types-documented-and-enforced"],
        "File uploads never check the MIME type against the documented allow-list, so any content type is stored.",
    ),
    Mutant::fault(
        "files-delete-is-hard",
        &["files.delete-is-soft"],
        "DELETE /files/{id} removes the row with a hard DELETE instead of setting deleted_at, so the file cannot be restored.",
    ),
    Mutant::fault(
        "files-size-limit-off-by-one",
        &["files.direct-upload-max-10mb"],
        "The fault lets exactly one byte too many through.",
    ),
    Mutant::fault(
        "files-size-from-content-length",
        &["files.multipart-upload"],
        "Size_bytes is taken from the request's Content-Length, i.e. the whole multipart body, not the file.",
    ),
    Mutant::fault(
        "files-presign-url-born-expired",
        &["files.presigned-upload-flow"],
        "The presigned URL's lifetime is read from an unset setting, so the URL is already expired and the upload is refused.",
    ),
    Mutant::fault(
        "files-presign-size-unchecked",
        &["files.presigned-max-500mb"],
        "The presign endpoint forgets the 500 MB cap (only direct uploads are capped).",
    ),
    Mutant::fault(
        "files-md5-hex-only",
        &["files.content-md5-optional-checksum"],
        "Content-MD5 is compared in hex only, so a correct base64 checksum (the header's RFC 1864 form) is refused.",
    ),
    Mutant::fault(
        "files-owner-not-checked",
        &["files.associated-with-resource"],
        "An upload checks only that resource_id is a UUID, not that the record exists in the workspace.",
    ),
    Mutant::fault(
        "files-download-presigned-only",
        &["files.download-urls-may-be-signed"],
        "Downloads read only files that came through presigned storage, so a directly uploaded file cannot be downloaded.",
    ),
];
