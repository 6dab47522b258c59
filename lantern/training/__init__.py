"""Staff training: modules (versioned data with their sources), knowledge checks, attestations,
and the clinic's rule that screening waits for a current attestation."""
