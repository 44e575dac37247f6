// The person cancelled an upload: nothing was sent, and nothing is wrong. Apart from the
// upload code (loaded later) so the draft can tell a cancel from a failure without it.

export class UploadCancelled extends Error {
  constructor() {
    super("The upload was cancelled.");
  }
}
