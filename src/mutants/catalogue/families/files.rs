//! Mutants proving the `files` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "files-any-mime-accepted",
        &["files.allowed-mime-types-documented-and-enforced"],
        "Files any mime accepted.",
    ),
    Mutant::fault(
        "files-delete-is-hard",
        &["files.delete-is-soft"],
        "Files delete is hard.",
    ),
    Mutant::fault(
        "files-size-limit-off-by-one",
        &["files.direct-upload-max-10mb"],
        "The fault lets exactly one byte too many through.",
    ),
];
