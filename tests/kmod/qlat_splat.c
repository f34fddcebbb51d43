// SPDX-License-Identifier: GPL-2.0
/*
 * qlat_splat - self-test of the VM harness's kernel splat detection.
 *
 * Loading this module with warn=1 triggers a WARN() (a "WARNING: CPU: ..."
 * splat with a stack trace on the console), which vmtest.sh must report with
 * its splat exit code.  With warn=0, the default, it does nothing.  Used only
 * by tests/harness/test_vmtest.sh.
 */

#include <linux/bug.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

static bool warn;
module_param(warn, bool, 0444);
MODULE_PARM_DESC(warn, "trigger a WARN() on load (default: false)");

static int __init qlat_splat_init(void)
{
	WARN(warn, "qlat_splat: deliberate warning (warn=1)\n");
	return 0;
}

static void __exit qlat_splat_exit(void)
{
}

module_init(qlat_splat_init);
module_exit(qlat_splat_exit);

MODULE_DESCRIPTION("qlat VM harness self-test: WARN() on demand");
MODULE_AUTHOR("qlat developers");
MODULE_LICENSE("GPL");
