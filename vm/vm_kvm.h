/*
 * vm_kvm: whether KVM can run guests on this machine, for both VM drivers.
 *
 * /dev/kvm existing is not enough (nested setups where guests crawl, then
 * die on emulation failures; CPUs without vmx/svm): the probe checks the
 * CPU flags and /dev/kvm, then boots the guest kernel (vm/guest) under
 * QEMU with -accel kvm and waits a few seconds for its init's marker on the
 * serial line.  The answer is cached per host boot in /run/sbx/kvm.json.
 * SBX_KVM=on skips the probe (KVM trusted), SBX_KVM=off forbids KVM.
 */
#ifndef SBX_VM_KVM_H
#define SBX_VM_KVM_H
#include "../src/util/err.h"

/* 1: KVM works; 0: it does not, and *why says what to fix. */
int vm_kvm_usable(sbx_err *why);

#endif
