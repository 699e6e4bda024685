/**
 * The ELF loader (DESIGN.md decisions 8 and 9): parse and validate, the
 * PIE-only rule, syscall-site scanning and its cache, copying an image into
 * guest RAM with the sites rewritten (prepared once per file, placed page by
 * page), the initial stack and auxv, and `#!`
 * scripts. Every refusal is an ExecError carrying the errno execve returns.
 */
export {
  ExecError, ENOENT, E2BIG, ENOEXEC, ENOMEM, EACCES, EFAULT, EINVAL, ENAMETOOLONG, ELOOP, ELIBBAD,
} from './errors.js';
export * from './elf-types.js';
export { parseElf, checkLoadable, imageSpan, MAX_IMAGE_SPAN } from './elf.js';
export { findSyscallSites, isSyscallOpcode } from './sites.js';
export type { SyscallSite } from './sites.js';
export { SiteCache } from './cache.js';
export type { FileIdentity } from './cache.js';
export { mapImage, rewriteSiteAt } from './map.js';
export { prepareImage, placeImage } from './image.js';
export type { MappedImage, PreparedImage } from './image.js';
export { ImageCache, IMAGE_CACHE_BYTES } from './image-cache.js';
export * from './auxv.js';
export { buildInitialStack, MAX_ARG_STRLEN } from './stack.js';
export type { StackInit } from './stack.js';
export { parseShebang, BINPRM_BUF_SIZE } from './shebang.js';
