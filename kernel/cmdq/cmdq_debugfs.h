/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to gce_sim.ko and cmdq_frame.ko: the parser of their debugfs
 * write handlers.
 */
#ifndef _CMDQ_DEBUGFS_H
#define _CMDQ_DEBUGFS_H

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/uaccess.h>

/**
 * cmdq_debugfs_parse_u32s() - parse a debugfs write of numbers
 * @ubuf: the user buffer of the write
 * @len: its length (at most 79 bytes)
 * @v: where the numbers go
 * @max: at most this many of them
 * @cmd: if not NULL, the first word is a command and is returned here,
 *       pointing into @buf
 * @buf: a buffer of at least 80 bytes that @cmd may point into
 *
 * The numbers are separated by spaces or tabs, in any base kstrtou32()
 * takes (0x, 0).
 *
 * Return: how many numbers were read, -EINVAL on an empty or too long
 * write, more than @max numbers or one that is not a u32, -EFAULT if
 * @ubuf cannot be read.
 */
static inline int cmdq_debugfs_parse_u32s(const char __user *ubuf, size_t len,
					  u32 *v, int max, char **cmd,
					  char buf[80])
{
	char *p, *tok;
	int n = 0;

	if (!len || len >= 80)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	p = strim(buf);
	if (cmd)
		*cmd = strsep(&p, " \t");
	while (p && (tok = strsep(&p, " \t")) != NULL) {
		if (!*tok)
			continue;
		if (n == max || kstrtou32(tok, 0, &v[n]))
			return -EINVAL;
		n++;
	}
	return n;
}

#endif /* _CMDQ_DEBUGFS_H */
