// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bpf-jit: what the kernel made of the BPF programs loaded now. Debian 12's
 * bpftool is built without libbfd: its `prog dump jited` only says "No
 * libbfd support". For every loaded program whose name contains one of the
 * PATTERNs (every program without one), one line
 *
 *   NAME id ID xlated N jited N verified N
 *
 * (xlated: BPF instructions after the verifier's rewrites; jited: bytes of
 * machine code; verified: instructions the verifier walked, a measure of
 * its load-time work), and with -o DIR the machine code in DIR/NAME.bin,
 * to read with
 *
 *   objdump -D -b binary -mi386:x86-64 DIR/NAME.bin
 *
 * (docs/vmtest.md, "Where the instructions go"). Run as root in a guest.
 * Exit status: 0, 1 when no program matched, 2 on a usage or system error.
 *
 *   bpf-jit [-o DIR] [PATTERN...]
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

static const char *outdir;

static int matches(const char *name, int npat, char **pat)
{
	int i;

	if (!npat)
		return 1;
	for (i = 0; i < npat; i++)
		if (strstr(name, pat[i]))
			return 1;
	return 0;
}

/* DIR/NAME.bin: the image of the program at fd, jited bytes long */
static int dump(int fd, const char *name, __u32 jited)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	unsigned char *buf;
	FILE *f;
	int err = 0;

	buf = malloc(jited ? jited : 1);
	if (!buf) {
		fprintf(stderr, "bpf-jit: %s: %s\n", name, strerror(ENOMEM));
		return -ENOMEM;
	}
	info.jited_prog_len = jited;
	info.jited_prog_insns = (unsigned long)buf;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		fprintf(stderr, "bpf-jit: %s: its machine code: %s\n", name, strerror(-err));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s.bin", outdir, name);
	errno = 0;	/* a short write need not set it */
	f = fopen(path, "w");
	if (!f || fwrite(buf, 1, jited, f) != jited)
		err = errno ? -errno : -EIO;
	if (f && fclose(f) && !err)
		err = -errno;
	if (err)
		fprintf(stderr, "bpf-jit: %s: %s\n", path, strerror(-err));
out:
	free(buf);
	return err;
}

int main(int argc, char **argv)
{
	__u32 id = 0;
	int c, found = 0, err = 0;

	while ((c = getopt(argc, argv, "o:")) != -1) {
		if (c != 'o') {
			fprintf(stderr, "usage: bpf-jit [-o DIR] [PATTERN...]\n");
			return 2;
		}
		outdir = optarg;
	}
	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0) {
			if (errno == ENOENT)
				continue;	/* unloaded meanwhile */
			fprintf(stderr, "bpf-jit: program %u: %s\n", id, strerror(errno));
			return 2;
		}
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			fprintf(stderr, "bpf-jit: program %u: %s\n", id, strerror(errno));
			close(fd);
			return 2;
		}
		if (matches(info.name, argc - optind, argv + optind)) {
			found++;
			printf("%s id %u xlated %u jited %u verified %u\n", info.name, id,
			       info.xlated_prog_len / 8, info.jited_prog_len, info.verified_insns);
			if (outdir && dump(fd, info.name, info.jited_prog_len))
				err = 2;
		}
		close(fd);
	}
	if (errno != ENOENT) {
		fprintf(stderr, "bpf-jit: listing programs: %s\n", strerror(errno));
		return 2;
	}
	if (err)
		return err;
	if (!found) {
		fprintf(stderr, "bpf-jit: no loaded program matches\n");
		return 1;
	}
	return 0;
}
