// Streaming POSIX pax tar: export packages go out as one download and come back as one upload.
export { type ExtractOptions, extractTar } from './reader.ts';
export { type TarDirectoryOptions, tarDirectory } from './writer.ts';
