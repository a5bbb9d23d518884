#include "config/config_convert.h"

#include <google/protobuf/text_format.h>

namespace seqtrain::config {

train::RunConfig ToRunConfig(const TrainConfig& p) {
  train::RunConfig c;
  c.seed = p.seed();
  const ModelConfig& m = p.model();
  c.model.input_size = m.input_size();
  c.model.time_steps = m.time_steps();
  c.model.hidden_size = m.hidden_size();
  c.model.num_layers = m.num_layers();
  c.model.num_classes = m.num_classes();
  c.forget_bias = m.forget_bias();
  const DataConfig& d = p.data();
  c.data.dir = d.dir();
  c.data.train_images = d.train_images();
  c.data.train_labels = d.train_labels();
  c.data.test_images = d.test_images();
  c.data.test_labels = d.test_labels();
  c.data.shuffle = d.shuffle();
  c.data.cache = d.cache();
  c.data.format = d.format();
  const OptimizerConfig& o = p.optimizer();
  c.optimizer.learning_rate = o.learning_rate();
  c.optimizer.beta1 = o.beta1();
  c.optimizer.beta2 = o.beta2();
  c.optimizer.epsilon = o.epsilon();
  c.optimizer.weight_decay = o.weight_decay();
  c.optimizer.clip_grad_norm = o.clip_grad_norm();
  const ScheduleConfig& s = p.schedule();
  c.schedule.batch_size = s.batch_size();
  c.schedule.epochs = s.epochs();
  c.schedule.max_steps = s.max_steps();
  c.schedule.display_step = s.display_step();
  c.schedule.eval_every = s.eval_every();
  c.schedule.eval_batch_size = s.eval_batch_size();
  const CheckpointConfig& k = p.checkpoint();
  c.checkpoint.dir = k.dir();
  c.checkpoint.every_steps = k.every_steps();
  c.checkpoint.every_seconds = k.every_seconds();
  c.checkpoint.keep = k.keep();
  c.checkpoint.save_final = k.save_final();
  c.metrics_path = p.logging().metrics_path();
  const FailureConfig& f = p.failure();
  c.failure.collective_timeout_seconds = f.collective_timeout_seconds();
  c.failure.startup_timeout_seconds = f.startup_timeout_seconds();
  c.failure.watchdog = f.watchdog();
  c.failure.replica_check_every = f.replica_check_every();
  c.failure.max_consecutive_nonfinite = f.max_consecutive_nonfinite();
  c.tensorboard_dir = p.logging().tensorboard_dir();
  return c;
}

TrainConfig ToProto(const train::RunConfig& c) {
  TrainConfig p;
  p.set_seed(c.seed);
  ModelConfig* m = p.mutable_model();
  m->set_input_size(c.model.input_size);
  m->set_time_steps(c.model.time_steps);
  m->set_hidden_size(c.model.hidden_size);
  m->set_num_layers(c.model.num_layers);
  m->set_num_classes(c.model.num_classes);
  m->set_forget_bias(c.forget_bias);
  DataConfig* d = p.mutable_data();
  d->set_dir(c.data.dir);
  d->set_train_images(c.data.train_images);
  d->set_train_labels(c.data.train_labels);
  d->set_test_images(c.data.test_images);
  d->set_test_labels(c.data.test_labels);
  d->set_shuffle(c.data.shuffle);
  d->set_cache(c.data.cache);
  d->set_format(c.data.format);
  OptimizerConfig* o = p.mutable_optimizer();
  o->set_learning_rate(c.optimizer.learning_rate);
  o->set_beta1(c.optimizer.beta1);
  o->set_beta2(c.optimizer.beta2);
  o->set_epsilon(c.optimizer.epsilon);
  o->set_weight_decay(c.optimizer.weight_decay);
  o->set_clip_grad_norm(c.optimizer.clip_grad_norm);
  ScheduleConfig* s = p.mutable_schedule();
  s->set_batch_size(c.schedule.batch_size);
  s->set_epochs(c.schedule.epochs);
  s->set_max_steps(c.schedule.max_steps);
  s->set_display_step(c.schedule.display_step);
  s->set_eval_every(c.schedule.eval_every);
  s->set_eval_batch_size(c.schedule.eval_batch_size);
  CheckpointConfig* k = p.mutable_checkpoint();
  k->set_dir(c.checkpoint.dir);
  k->set_every_steps(c.checkpoint.every_steps);
  k->set_every_seconds(c.checkpoint.every_seconds);
  k->set_keep(c.checkpoint.keep);
  k->set_save_final(c.checkpoint.save_final);
  p.mutable_logging()->set_metrics_path(c.metrics_path);
  FailureConfig* f = p.mutable_failure();
  f->set_collective_timeout_seconds(c.failure.collective_timeout_seconds);
  f->set_startup_timeout_seconds(c.failure.startup_timeout_seconds);
  f->set_watchdog(c.failure.watchdog);
  f->set_replica_check_every(c.failure.replica_check_every);
  f->set_max_consecutive_nonfinite(c.failure.max_consecutive_nonfinite);
  p.mutable_logging()->set_tensorboard_dir(c.tensorboard_dir);
  return p;
}

std::string ToText(const TrainConfig& proto) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(proto, &text);
  return text;
}

}  // namespace seqtrain::config
