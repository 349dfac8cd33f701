/**
 * Human-in-the-loop approvals: when a run pauses for a person ({@link io.meshflow.hitl.HumanInLoopConfig}), what a
 * pause records ({@link io.meshflow.hitl.Pause}), how a decision is taken ({@link io.meshflow.hitl.Decision}), where
 * pauses are kept ({@link io.meshflow.hitl.PauseStore}), how approvers are told ({@link io.meshflow.hitl.HitlNotifier})
 * and what happens at the deadline ({@link io.meshflow.hitl.HitlTimeoutWatcher}).
 */
@NullMarked
package io.meshflow.hitl;

import org.jspecify.annotations.NullMarked;
