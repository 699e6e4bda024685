/*
 * fs_layout: prints sizeof and offsetof of every field of the structs the
 * file syscalls share with the kernel (struct stat, statx, statfs, flock,
 * dirent64, pollfd, iovec, open_how, timespec, winsize), one "struct.field
 * value" line each. test/kernel/fs/layout.test.ts compares them with the
 * layouts kernel/fs declares. Runs natively and in the guest alike.
 */
#include <linux/stat.h>
#include <linux/openat2.h>
/* <linux/stat.h> defines the S_* macros that <sys/stat.h> defines again. */
#undef S_IFMT
#undef S_IFSOCK
#undef S_IFLNK
#undef S_IFREG
#undef S_IFBLK
#undef S_IFDIR
#undef S_IFCHR
#undef S_IFIFO
#undef S_ISUID
#undef S_ISGID
#undef S_ISVTX
#undef S_ISLNK
#undef S_ISREG
#undef S_ISDIR
#undef S_ISCHR
#undef S_ISBLK
#undef S_ISFIFO
#undef S_ISSOCK
#undef S_IRWXU
#undef S_IRUSR
#undef S_IWUSR
#undef S_IXUSR
#undef S_IRWXG
#undef S_IRGRP
#undef S_IWGRP
#undef S_IXGRP
#undef S_IRWXO
#undef S_IROTH
#undef S_IWOTH
#undef S_IXOTH
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <time.h>

#define SIZE(s) printf("%s.size %zu\n", #s, sizeof(struct s))
#define OFF(s, f) printf("%s.%s %zu\n", #s, #f, offsetof(struct s, f))

int main(void)
{
	SIZE(stat);
	OFF(stat, st_dev); OFF(stat, st_ino); OFF(stat, st_nlink); OFF(stat, st_mode);
	OFF(stat, st_uid); OFF(stat, st_gid); OFF(stat, st_rdev); OFF(stat, st_size);
	OFF(stat, st_blksize); OFF(stat, st_blocks); OFF(stat, st_atim); OFF(stat, st_mtim);
	OFF(stat, st_ctim);

	SIZE(statx);
	OFF(statx, stx_mask); OFF(statx, stx_blksize); OFF(statx, stx_attributes);
	OFF(statx, stx_nlink); OFF(statx, stx_uid); OFF(statx, stx_gid); OFF(statx, stx_mode);
	OFF(statx, stx_ino); OFF(statx, stx_size); OFF(statx, stx_blocks);
	OFF(statx, stx_attributes_mask); OFF(statx, stx_atime); OFF(statx, stx_btime);
	OFF(statx, stx_ctime); OFF(statx, stx_mtime); OFF(statx, stx_rdev_major);
	OFF(statx, stx_rdev_minor); OFF(statx, stx_dev_major); OFF(statx, stx_dev_minor);
	OFF(statx, stx_mnt_id); OFF(statx, stx_dio_mem_align); OFF(statx, stx_dio_offset_align);
	SIZE(statx_timestamp);
	OFF(statx_timestamp, tv_sec); OFF(statx_timestamp, tv_nsec);

	SIZE(statfs);
	OFF(statfs, f_type); OFF(statfs, f_bsize); OFF(statfs, f_blocks); OFF(statfs, f_bfree);
	OFF(statfs, f_bavail); OFF(statfs, f_files); OFF(statfs, f_ffree); OFF(statfs, f_fsid);
	OFF(statfs, f_namelen); OFF(statfs, f_frsize); OFF(statfs, f_flags); OFF(statfs, f_spare);

	SIZE(flock);
	OFF(flock, l_type); OFF(flock, l_whence); OFF(flock, l_start); OFF(flock, l_len); OFF(flock, l_pid);

	OFF(dirent, d_ino); OFF(dirent, d_off); OFF(dirent, d_reclen); OFF(dirent, d_type); OFF(dirent, d_name);

	SIZE(pollfd);
	OFF(pollfd, fd); OFF(pollfd, events); OFF(pollfd, revents);
	SIZE(iovec);
	OFF(iovec, iov_base); OFF(iovec, iov_len);
	SIZE(open_how);
	OFF(open_how, flags); OFF(open_how, mode); OFF(open_how, resolve);
	SIZE(timespec);
	OFF(timespec, tv_sec); OFF(timespec, tv_nsec);
	SIZE(winsize);
	OFF(winsize, ws_row); OFF(winsize, ws_col); OFF(winsize, ws_xpixel); OFF(winsize, ws_ypixel);
	return 0;
}
