package dev.lifeboat.alert;

import java.util.List;

/** The outbox in the API and status: how many notifications wait or were given up, and the first of each. */
public record OutboxView(int pending, int failed, List<DeliveryView> pendingDeliveries, List<DeliveryView> failedDeliveries) {

    static OutboxView of(Outbox outbox, int maxListed) {
        List<Outbox.Delivery> pending = outbox.pending();
        List<Outbox.Delivery> failed = outbox.failed();
        return new OutboxView(pending.size(), failed.size(), pending.stream().limit(maxListed).map(DeliveryView::of).toList(),
                failed.stream().limit(maxListed).map(DeliveryView::of).toList());
    }
}
