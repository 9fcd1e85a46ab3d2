//! Family `files`: multipart and presigned uploads on the reference server, and the bugs that break them.

mod common;

use common::*;
use specgate::rules::Status;

#[tokio::test]
async fn reference_passes_files() {
    let report = run_reference(&[], &["files"]).await;
    assert_eq!(report.results.len(), 9);
    for r in &report.results {
        assert_eq!(
            r.outcome.status,
            Status::Passed,
            "{}: {:?}",
            r.info.id,
            r.outcome
        );
    }
}

#[tokio::test]
async fn upload_one_byte_over_the_cap_accepted_is_caught() {
    let report = run_reference(&["files-size-limit-off-by-one"], &["files"]).await;
    let broken = ["files.direct-upload-max-10mb"];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}

#[tokio::test]
async fn undocumented_mime_type_accepted_is_caught() {
    let report = run_reference(&["files-any-mime-accepted"], &["files"]).await;
    let broken = ["files.allowed-mime-types-documented-and-enforced"];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}

#[tokio::test]
async fn hard_deleted_file_is_caught() {
    let report = run_reference(&["files-delete-is-hard"], &["files"]).await;
    let broken = ["files.delete-is-soft"];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}
