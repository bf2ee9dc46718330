package io.atoll.fabric;

/**
 * A change in the view of the cluster, as delivered to {@link Membership.Listener}s.
 *
 * @param kind   UP: a node joined or came back; DOWN: it left or fell silent; CHANGED: a live
 *               node announced different info (resources, address)
 * @param member the member after the change
 */
public record MemberEvent(Kind kind, Member member) {
    public enum Kind { UP, DOWN, CHANGED }
}
