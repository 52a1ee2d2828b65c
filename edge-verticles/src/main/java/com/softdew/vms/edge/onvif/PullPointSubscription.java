package com.softdew.vms.edge.onvif;

/** Answer of tev:CreatePullPointSubscription: where to pull and until when the subscription lives. */
public record PullPointSubscription(String address, String currentTime, String terminationTime) {}
