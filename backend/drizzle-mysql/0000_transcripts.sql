CREATE TABLE `transcripts` (
	`id` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`user_id` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`session_id` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`text` text CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
	`language` varchar(35) NOT NULL,
	`engine` varchar(64) NOT NULL,
	`audio_ms` int NOT NULL,
	`latency_ms` int NOT NULL,
	`created_at` bigint NOT NULL,
	CONSTRAINT `transcripts_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE INDEX `transcripts_user_created_idx` ON `transcripts` (`user_id`,`created_at`,`id`);