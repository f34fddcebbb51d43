/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One handler, two attach flavours with typed arguments: tp_btf (needs
 * the module's BTF) and raw_tp (untyped, no BTF needed). The loader keeps
 * the flavour it wants by program-name suffix (_btf, _raw; the
 * SEC("tracepoint") flavour, _tp, is written out by hand since it reads a
 * record instead of arguments). `call` is the handler call on the
 * arguments; the rest are the tracepoint's TP_PROTO arguments.
 */
#ifndef __QLAT_FLAVOURS_BPF_H
#define __QLAT_FLAVOURS_BPF_H

#define QLAT_TP_BTF_RAW(event, name, call, args...)		\
SEC("tp_btf/" #event)						\
int BPF_PROG(name##_btf, args)					\
{								\
	return call;						\
}								\
								\
SEC("raw_tp/" #event)						\
int BPF_PROG(name##_raw, args)					\
{								\
	return call;						\
}

/*
 * The same two flavours, for a handler that does something before it
 * reads the arguments (the per-CPU state's lookup): `call` reads them as
 * ctx[i], the i-th TP_PROTO argument, where it needs them. BPF_PROG reads
 * every argument on entry, so that each one still needed after a helper
 * call lives in a callee-saved register, which the JITed program pushes
 * and pops.
 */
#define QLAT_TP_BTF_RAW_CTX(event, name, call)			\
SEC("tp_btf/" #event)						\
int name##_btf(unsigned long long *ctx)				\
{								\
	return call;						\
}								\
								\
SEC("raw_tp/" #event)						\
int name##_raw(unsigned long long *ctx)				\
{								\
	return call;						\
}

#endif /* __QLAT_FLAVOURS_BPF_H */
