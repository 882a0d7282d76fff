/** Calico: IPAM blocks, BGP speaker, Felix-like node programming (IPIP / VXLAN). */
package dev.podlab.calico;
