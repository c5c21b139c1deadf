export {
  type AppendRequest,
  CHECKSUM_ALGORITHMS,
  type ChecksumAlgorithm,
  createUploads,
  evidenceInputFromMetadata,
  METADATA_KEYS,
  type NewUpload,
  type SweepResult,
  type UploadStatus,
  type Uploads,
  type UploadsDeps,
} from './service.ts';
