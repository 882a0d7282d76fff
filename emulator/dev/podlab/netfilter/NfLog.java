package dev.podlab.netfilter;

/**
 * One line the LOG or TRACE target wrote to the kernel log, with the syslog level it was logged
 * at (LOG's {@code --log-level}, default 4 = warning; TRACE lines use 4 too) and the rule that
 * wrote it. {@code text} is what dmesg shows after the timestamp, e.g.
 * {@code "DROPPED: IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=0 DF PROTO=TCP SPT=40000 DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0 "}.
 */
public record NfLog(int level, String table, String chain, int rule, String text) {
}
