// SPDX-License-Identifier: GPL-2.0
/*
 * qlat_splat - planted bugs that prove the VM harness's detectors.
 *
 * Each parameter, off by default, plants one bug when the module is
 * loaded; with all of them off the module does nothing. Used only by the
 * harness self-tests (tests/harness/test_vmtest.sh, tests/harness/
 * test_detectors.sh), which expect vmtest.sh to exit with its splat code
 * and to print the report:
 *
 *   warn=1          WARN()                       any kernel
 *   sleep_atomic=1  msleep() under a raw spinlock any kernel ("scheduling
 *                                                 while atomic"); with
 *                                                 DEBUG_ATOMIC_SLEEP also
 *                                                 "sleeping function called
 *                                                 from invalid context"
 *   uaf=1           read of a freed kmalloc()     KASAN
 *   leak=1          kmalloc()s nobody frees       kmemleak (scanned by the
 *                                                 harness after the command)
 *   abba=1          mutexes taken A->B, then B->A lockdep (no deadlock: one
 *                                                 thread, one after the other)
 *   wait_ctx=1      a spinlock_t under a          lockdep with
 *                   raw_spinlock_t                PROVE_RAW_LOCK_NESTING
 *                                                 ("Invalid wait context")
 */

#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

static bool warn;
module_param(warn, bool, 0444);
MODULE_PARM_DESC(warn, "trigger a WARN() on load");

static bool sleep_atomic;
module_param(sleep_atomic, bool, 0444);
MODULE_PARM_DESC(sleep_atomic, "sleep while holding a raw spinlock");

static bool uaf;
module_param(uaf, bool, 0444);
MODULE_PARM_DESC(uaf, "read freed memory (KASAN)");

static bool leak;
module_param(leak, bool, 0444);
MODULE_PARM_DESC(leak, "leak an allocation (kmemleak)");

static bool abba;
module_param(abba, bool, 0444);
MODULE_PARM_DESC(abba, "take two mutexes in both orders (lockdep)");

static bool wait_ctx;
module_param(wait_ctx, bool, 0444);
MODULE_PARM_DESC(wait_ctx, "take a spinlock_t inside a raw_spinlock_t (lockdep)");

static DEFINE_SPINLOCK(qs_lock);
static DEFINE_RAW_SPINLOCK(qs_raw_lock);
static DEFINE_MUTEX(qs_a);
static DEFINE_MUTEX(qs_b);

/* kept out of the compiler's sight, so that the planted bugs stay */
static void *qs_sink;

/* a raw spinlock: atomic on PREEMPT_RT too, where spinlock_t may sleep */
static noinline void qs_sleep_atomic(void)
{
	raw_spin_lock(&qs_raw_lock);
	msleep(20);
	raw_spin_unlock(&qs_raw_lock);
}

static noinline void qs_uaf(void)
{
	char *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return;
	WRITE_ONCE(qs_sink, p);
	kfree(p);
	pr_info("qlat_splat: read after free: %d\n", READ_ONCE(p[8]));
	WRITE_ONCE(qs_sink, NULL);
}

/*
 * Several objects: a stale copy of the last pointer can linger in a stack
 * that kmemleak scans (a cached vmap stack, a frame below the stack
 * pointer) and hide that one object, not all of them.
 */
#define QS_LEAKS	16

static noinline void qs_leak(void)
{
	unsigned int i, n = 0;
	void *p;

	for (i = 0; i < QS_LEAKS; i++) {
		p = kmalloc(128, GFP_KERNEL);
		OPTIMIZER_HIDE_VAR(p);
		n += !!p;
	}
	/* the only references are gone when this returns */
	pr_info("qlat_splat: leaked %u objects of 128 bytes\n", n);
}

static noinline void qs_abba(void)
{
	mutex_lock(&qs_a);
	mutex_lock(&qs_b);
	mutex_unlock(&qs_b);
	mutex_unlock(&qs_a);

	mutex_lock(&qs_b);
	mutex_lock(&qs_a);
	mutex_unlock(&qs_a);
	mutex_unlock(&qs_b);
}

static noinline void qs_wait_ctx(void)
{
	raw_spin_lock(&qs_raw_lock);
	spin_lock(&qs_lock);
	spin_unlock(&qs_lock);
	raw_spin_unlock(&qs_raw_lock);
}

static int __init qlat_splat_init(void)
{
	WARN(warn, "qlat_splat: deliberate warning (warn=1)\n");
	if (sleep_atomic)
		qs_sleep_atomic();
	if (uaf)
		qs_uaf();
	if (leak)
		qs_leak();
	if (abba)
		qs_abba();
	if (wait_ctx)
		qs_wait_ctx();
	return 0;
}

static void __exit qlat_splat_exit(void)
{
}

module_init(qlat_splat_init);
module_exit(qlat_splat_exit);

MODULE_DESCRIPTION("qlat VM harness self-test: planted bugs on demand");
MODULE_AUTHOR("qlat developers");
MODULE_LICENSE("GPL");
